"""Which dimensions each kind of evaluation scores, and which must pass for its gate.

No national text fixes the stage contents; this follows the stage structure of a real facility
system (domain.md §4.5: education stage = medical + education + training; consolidation stage =
all centres) mapped onto the four dimensions of 诊断评估办法 Art. 6.
"""

from .choices import Dimension, EvaluationKind, Opinion

D = Dimension
K = EvaluationKind

KIND_DIMENSIONS = {
    K.ADMISSION: [D.DETOX, D.RECOVERY, D.BEHAVIOUR, D.SOCIAL],
    K.DETOX_STAGE: [D.DETOX],
    K.EDUCATION_STAGE: [D.RECOVERY, D.BEHAVIOUR],
    K.CONSOLIDATION_STAGE: [D.RECOVERY, D.BEHAVIOUR, D.SOCIAL],
    K.ONE_YEAR: [D.DETOX, D.RECOVERY, D.BEHAVIOUR, D.SOCIAL],
    K.PRE_EXPIRY: [D.DETOX, D.RECOVERY, D.BEHAVIOUR, D.SOCIAL],
}

# The dimensions that must pass for the evaluation to count as passed. The admission evaluation
# is a baseline and gates nothing; the comprehensive ones need the three pass/fail dimensions
# (domain.md §4.4).
GATE_DIMENSIONS = {
    K.ADMISSION: [],
    K.DETOX_STAGE: [D.DETOX],
    K.EDUCATION_STAGE: [D.BEHAVIOUR],
    K.CONSOLIDATION_STAGE: [D.RECOVERY, D.BEHAVIOUR],
    K.ONE_YEAR: [D.DETOX, D.RECOVERY, D.BEHAVIOUR],
    K.PRE_EXPIRY: [D.DETOX, D.RECOVERY, D.BEHAVIOUR],
}

# The opinions each comprehensive evaluation may form (诊断评估办法 Art. 3; 禁毒法 Art. 47): the
# one-year evaluation may propose early release, the pre-expiry one release or extension.
OPINIONS_FOR_KIND = {
    K.ONE_YEAR: (Opinion.EARLY_RELEASE, Opinion.CONTINUE),
    K.PRE_EXPIRY: (Opinion.ON_TIME_RELEASE, Opinion.EXTENSION),
}
