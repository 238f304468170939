"""Sections other apps add to a person's page (measures and their clocks, facility stays, …).

The registry keeps the dependency one way: `people` knows nothing of the apps that build on it;
each registers a function `(request, person) -> html or ""` from its AppConfig.ready(). A panel
reads through its own app's access functions, so it shows only what the user may see.
"""

from collections.abc import Callable

PERSON_PANELS: list[Callable] = []


def register_panel(render: Callable) -> None:
    if render not in PERSON_PANELS:
        PERSON_PANELS.append(render)


def render_panels(request, person) -> list[str]:
    return [html for render in PERSON_PANELS if (html := render(request, person))]
