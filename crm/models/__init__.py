"""Database models, one module per aggregate. Importing this package registers them all."""

from crm.models.audit import AuditEvent
from crm.models.consent import ConsentRecord, DoNotContactChange, Purpose, SubjectAccessRequest
from crm.models.engagement import (
    CommunityReach,
    Engagement,
    EngagementDay,
    EngagementPlace,
    FollowUpAction,
)
from crm.models.equality import AreaPopulation, EqualityAnswers, EqualityView
from crm.models.erasure import (
    Erasure,
    LegalHold,
    RetentionAction,
    RetentionRule,
    RetentionRun,
)
from crm.models.feedback import CaseworkPriority, Feedback, FeedbackMove
from crm.models.geography import AreaBoundary, Postcode, PostcodeSet
from crm.models.invite import UserInvite
from crm.models.job import Job
from crm.models.mapping import MappingExercise, MappingPosition
from crm.models.merge import DuplicateDismissal, Merge, MergeMove
from crm.models.panel import (
    Attendance,
    Declaration,
    Membership,
    Panel,
    PanelMeeting,
    PanelTarget,
    TermsOfReference,
)
from crm.models.plan import (
    ActionPlan,
    ActionUpdate,
    Evidence,
    KeyActivity,
    Objective,
    ObjectiveMeasure,
    PlanAction,
    PlanTheme,
)
from crm.models.reference import Area, Community
from crm.models.signin import SignInAttempt
from crm.models.spreadsheet_import import ImportMapping, ImportRow, SpreadsheetImport
from crm.models.sso import SsoIdentity
from crm.models.stakeholder import Affiliation, Contact, Stakeholder
from crm.models.submission import FormSubmission
from crm.models.two_factor import RecoveryCode, TwoFactorEnrolment
from crm.models.user import User, UserRight

__all__ = [
    "ActionPlan",
    "ActionUpdate",
    "Affiliation",
    "Area",
    "AreaBoundary",
    "AreaPopulation",
    "Attendance",
    "AuditEvent",
    "CaseworkPriority",
    "Community",
    "CommunityReach",
    "ConsentRecord",
    "Contact",
    "DoNotContactChange",
    "Declaration",
    "DuplicateDismissal",
    "Engagement",
    "EqualityAnswers",
    "EqualityView",
    "EngagementDay",
    "EngagementPlace",
    "Erasure",
    "Evidence",
    "Feedback",
    "FeedbackMove",
    "FollowUpAction",
    "ImportMapping",
    "ImportRow",
    "KeyActivity",
    "LegalHold",
    "MappingExercise",
    "MappingPosition",
    "Merge",
    "MergeMove",
    "FormSubmission",
    "Job",
    "Membership",
    "Objective",
    "ObjectiveMeasure",
    "Panel",
    "PanelMeeting",
    "PanelTarget",
    "PlanAction",
    "PlanTheme",
    "Postcode",
    "PostcodeSet",
    "Purpose",
    "RecoveryCode",
    "RetentionAction",
    "RetentionRule",
    "RetentionRun",
    "SignInAttempt",
    "SpreadsheetImport",
    "SsoIdentity",
    "Stakeholder",
    "SubjectAccessRequest",
    "TermsOfReference",
    "TwoFactorEnrolment",
    "User",
    "UserRight",
    "UserInvite",
]
