"""Database models, one module per aggregate. Importing this package registers them all."""

from crm.models.audit import AuditEvent
from crm.models.engagement import CommunityReach, Engagement, FollowUpAction
from crm.models.reference import Area, Community
from crm.models.signin import SignInAttempt
from crm.models.stakeholder import Affiliation, Contact, Stakeholder
from crm.models.user import User

__all__ = [
    "Affiliation",
    "Area",
    "AuditEvent",
    "Community",
    "CommunityReach",
    "Contact",
    "Engagement",
    "FollowUpAction",
    "SignInAttempt",
    "Stakeholder",
    "User",
]
