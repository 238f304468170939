"""Rules of the portal's face verification and check-ins."""

from django.utils.translation import gettext_lazy as _

from jiedu.core.rules import RuleSpec, register

_NO_NATIONAL = "全国无统一规定；Jiedu默认值（no national figure; Jiedu default）"

# dlib's ResNet model: two photos of one person are usually within 0.6 (the model's documented
# operating point). Stored ×100 because rule values are integers.
FACE_DISTANCE_X100 = "checkins.face.max_distance_x100"

register(
    RuleSpec(
        FACE_DISTANCE_X100,
        _("人脸比对阈值：特征距离上限（×100）"),
        "count",
        60,
        "dlib ResNet人脸模型的推荐阈值0.6；" + _NO_NATIONAL,
        30,
        80,
        _NO_NATIONAL,
        fallback=True,
    ),
)
