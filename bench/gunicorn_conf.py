"""gunicorn settings of the check-in benchmark (bench/checkins.py): each worker loads the face
models when it starts, as a deployment warms its workers, so that no measured request pays the
one-time load (jiedu.checkins.face.load_models)."""


def post_worker_init(worker):
    from jiedu.checkins import face

    face.load_models()
