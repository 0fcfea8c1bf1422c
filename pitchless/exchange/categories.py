"""The seeded taxonomy: about thirty professional services and goods, each with a slug.

The data migration ``0002_categories`` loads it; later changes get a migration of their own.
"""

from __future__ import annotations

#: (slug, name, group) in display order
CATEGORIES: tuple[tuple[str, str, str], ...] = (
    ("recruiting-services", "Recruiting services", "services"),
    ("software", "Software and SaaS", "services"),
    ("software-development", "Software development", "services"),
    ("training", "Training and workshops", "services"),
    ("coaching", "Coaching and mentoring", "services"),
    ("consulting", "Management consulting", "services"),
    ("design", "Design and branding", "services"),
    ("marketing", "Marketing and advertising", "services"),
    ("sales-services", "Sales and lead generation", "services"),
    ("writing", "Writing and editing", "services"),
    ("translation", "Translation and localisation", "services"),
    ("legal", "Legal services", "services"),
    ("accounting", "Accounting and bookkeeping", "services"),
    ("tax", "Tax advice", "services"),
    ("finance", "Finance and fundraising", "services"),
    ("insurance", "Insurance", "services"),
    ("hr-payroll", "HR and payroll", "services"),
    ("it-support", "IT support and managed services", "services"),
    ("security", "Cybersecurity", "services"),
    ("data-analytics", "Data and analytics", "services"),
    ("cloud-hosting", "Cloud and hosting", "services"),
    ("photo-video", "Photography and video", "services"),
    ("events", "Events and venues", "services"),
    ("research", "Market research", "services"),
    ("logistics", "Logistics and shipping", "services"),
    ("hardware", "Computer hardware", "goods"),
    ("office-equipment", "Office furniture and equipment", "goods"),
    ("office-space", "Office and coworking space", "goods"),
    ("industrial", "Industrial equipment and supplies", "goods"),
    ("books-courses", "Books and courses", "goods"),
    ("other", "Other", "services"),
)
