"""Community drug rehab and rehabilitation (社区戒毒/社区康复): the township's case on each
community measure and everything recorded on it."""

from .absences import Absence, LeaveRequest
from .cases import Agreement, CaseAlert, CaseTransfer, CommunityCase, TeamMember
from .credit import CreditEntry
from .drug_tests import CommunityDrugTest
from .referrals import Referral
from .schedule import Contact, DueItem, RandomDraw, SchedulePlan

__all__ = [
    "Absence",
    "Agreement",
    "CaseAlert",
    "CaseTransfer",
    "CommunityCase",
    "CommunityDrugTest",
    "Contact",
    "CreditEntry",
    "DueItem",
    "LeaveRequest",
    "RandomDraw",
    "Referral",
    "SchedulePlan",
    "TeamMember",
]
