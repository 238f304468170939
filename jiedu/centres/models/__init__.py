"""The records of the five centres (五中心, MODEL 2018): one module per centre, plus behaviour
points. The diagnostic-evaluation centre's records are the `evaluations` app."""

from .education import Attendance, CaseOfficer, Course, CourseSession, Exam, Talk
from .medical import (
    FacilityDrugTest,
    HealthCondition,
    InfectionScreening,
    MedicationOrder,
    VitalSigns,
    WithdrawalCheck,
)
from .points import ApprovalChain, PointApproval, PointEntry, PointMonth
from .psychology import CounsellingSession, CrisisIntervention, Instrument, InstrumentResponse
from .training import FitnessTest, TrainingSession

__all__ = [
    "ApprovalChain",
    "Attendance",
    "CaseOfficer",
    "CounsellingSession",
    "Course",
    "CourseSession",
    "CrisisIntervention",
    "Exam",
    "FacilityDrugTest",
    "FitnessTest",
    "HealthCondition",
    "InfectionScreening",
    "Instrument",
    "InstrumentResponse",
    "MedicationOrder",
    "PointApproval",
    "PointEntry",
    "PointMonth",
    "Talk",
    "TrainingSession",
    "VitalSigns",
    "WithdrawalCheck",
]
