"""Every project app keeps the app contract (STYLE.md, "How apps fit together"; the checklist in
docs/contributing.md, "Adding an app"). Each check reads the project as it runs (the installed
apps, the URL configuration, the API's schema, the registered hooks, the import-linter contracts
in pyproject.toml, what tests/test_tenancy.py walks) and says what to add when an app skips a
step. Each check is also run on a made-up project that breaks it, to prove it can fail.
"""

from __future__ import annotations

import importlib
import inspect
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

import pytest
from django.apps import apps as django_apps
from django.urls import URLResolver, get_resolver

from coproduce.api.api import api
from coproduce.hooks import Hook
from tests.test_tenancy import (
    NOT_COMMUNITY_ROWS,
    _community_lookup,
    _victim_ids,
    _walk,
    api_route,
    community_owned_rows,
    victim,  # noqa: F401 - the community the walk attacks, a fixture
    walked_requests,
)

ROOT = Path(__file__).resolve().parent.parent

# Apps with no permissions.py, and why: nothing in them is decided by a role.
NO_PERMISSIONS_MODULE = {
    "api": "tokens are their owner's alone (api_token_get answers 404 for anyone else's); each "
    "router asks its own app's permissions.py",
}
# Apps whose tests/test_permissions.py is being written elsewhere; remove the line once merged
# (a check fails as soon as the file exists, to say so).
PERMISSION_TESTS_PENDING: dict[str, str] = {}
# Layers that are not apps: pieces every app shares, below them all.
SHARED_LAYERS = {
    "coproduce.hooks": "the Hook type every layer declares its hooks with",
    "coproduce.edge": "what pages and the API of every app share; imports no app",
    "coproduce.transactions": "the decorator with which a service joins its caller's transaction",
}
# What may live in coproduce/templates/: the layout and pieces every app shares. An app's own
# pages live in coproduce/<app>/templates/<app>/.
SHARED_TEMPLATES = {
    "base.html": "the layout every page extends",
    "edge": "the plain page for a request refused before any app sees it (edge/middleware.py)",
    "home.html": "the site's front page, before anyone has a community",
    "403.html": "Django's error pages",
    "404.html": "Django's error pages",
    "500.html": "Django's error pages",
    "includes": "form, field and pagination pieces every app's pages use",
    "allauth": "allauth's pages in our look",
}


@dataclass(frozen=True)
class App:
    label: str
    files: frozenset[str]  # paths inside the app's folder, "tests/test_permissions.py"
    router_operations: frozenset[str]  # operation ids of the router in its api.py
    urlconfs: frozenset[str]  # its urls*.py modules
    receivers: frozenset[str]  # the public functions of its receivers.py
    models: frozenset[str]
    requests: frozenset[tuple[str, str]]  # (route, method) of its pages and API operations


@dataclass(frozen=True)
class Project:
    apps: tuple[App, ...]
    layers: tuple[str, ...]  # the import-linter layers contract, top to bottom
    error_shape_forbidden: frozenset[str]  # what coproduce/api/errors.py may not import
    api_operations: frozenset[str]  # operation ids the API serves
    included_urlconfs: frozenset[str]
    registered_receivers: frozenset[str]  # every function registered on a hook
    walked: frozenset[tuple[str, str]]  # (route, method) tests/test_tenancy.py reaches
    community_owned: frozenset[str]  # models whose rows lead to a community
    not_community_rows: frozenset[str]  # models no community owns, each with its reason
    with_rows: frozenset[str]  # of those, the ones the walked community has rows of
    project_templates: frozenset[str]  # what is in coproduce/templates/
    contributing: str  # docs/contributing.md


# --- The checks -----------------------------------------------------------------------------------


def layers_gaps(app: App, project: Project) -> list[str]:
    module = f"coproduce.{app.label}"
    gaps = []
    if module not in project.layers:
        gaps.append(
            f'add "{module}" to the layers of the "Apps import only downward" contract in '
            "pyproject.toml, above the apps it imports and below those that import it"
        )
    if app.label != "api" and module not in project.error_shape_forbidden:
        gaps.append(
            f'add "{module}" to forbidden_modules of "The API\'s error shape and input types '
            'import no app" in pyproject.toml'
        )
    return gaps


def tenancy_gaps(app: App, project: Project) -> list[str]:
    gaps = []
    for model in sorted(app.models - project.not_community_rows):
        if model not in project.community_owned:
            gaps.append(
                f"no required foreign key leads from {model} to a Community: give it one "
                "(DESIGN 7b: every community-owned table carries community_id), or add it to "
                "NOT_COMMUNITY_ROWS in tests/test_tenancy.py with the reason"
            )
        elif model not in project.with_rows:
            gaps.append(
                f"the tenancy walk finds no {model} in the community it attacks: make one in "
                "your demo_community_built receiver (through your services), or in "
                "_rows_the_demo_does_not_make() in tests/test_tenancy.py"
            )
    for route, method in sorted(app.requests - project.walked):
        gaps.append(
            f"tests/test_tenancy.py does not reach {method.upper()} /{route}: give its "
            "parameters a value in _candidates() that its converters accept"
        )
    return gaps


def urls_gaps(app: App, project: Project) -> list[str]:
    return [
        f'include("{urlconf}") in coproduce/urls.py'
        for urlconf in sorted(app.urlconfs - project.included_urlconfs)
    ]


def api_gaps(app: App, project: Project) -> list[str]:
    if "api.py" not in app.files or app.label == "api":
        return []
    if not app.router_operations:
        return [f"coproduce/{app.label}/api.py should define `router` (a ninja Router)"]
    if app.router_operations - project.api_operations:
        return [
            f'register coproduce.{app.label}.api.router: api.add_router("/", router) in '
            "_register_routers() in coproduce/api/api.py"
        ]
    return []


def hooks_gaps(app: App, project: Project) -> list[str]:
    return [
        f"register {receiver} on its hook in the app's AppConfig.ready() (apps.py)"
        for receiver in sorted(app.receivers - project.registered_receivers)
    ]


def permissions_gaps(app: App, project: Project) -> list[str]:
    gaps = []
    has_module = "permissions.py" in app.files
    if not has_module and app.label not in NO_PERMISSIONS_MODULE:
        gaps.append(
            f"add coproduce/{app.label}/permissions.py (who may do what, asked by views and the "
            "API alike), or list the app in NO_PERMISSIONS_MODULE with the reason"
        )
    if has_module and app.label in NO_PERMISSIONS_MODULE:
        gaps.append(f"remove {app.label} from NO_PERMISSIONS_MODULE: it has a permissions.py")
    has_tests = "tests/test_permissions.py" in app.files
    if not has_tests and app.label not in PERMISSION_TESTS_PENDING:
        gaps.append(
            f"add coproduce/{app.label}/tests/test_permissions.py: every role against every "
            "action (coproduce/communities/tests/roles.py builds each role)"
        )
    if has_tests and app.label in PERMISSION_TESTS_PENDING:
        gaps.append(f"remove {app.label} from PERMISSION_TESTS_PENDING: its tests are here now")
    return gaps


def templates_gaps(app: App, project: Project) -> list[str]:
    return [
        f"move coproduce/{app.label}/{path} to coproduce/{app.label}/templates/{app.label}/"
        f"{path.removeprefix('templates/')}"
        for path in sorted(app.files)
        if path.startswith("templates/") and not path.startswith(f"templates/{app.label}/")
    ]


def docs_gaps(app: App, project: Project) -> list[str]:
    layout = _section(project.contributing, "Layout")
    layers = _section(project.contributing, "Layers")
    gaps = []
    if not re.search(rf"^\s+{app.label}/\s", layout, re.MULTILINE):
        gaps.append(f'describe "{app.label}/" in the Layout section of docs/contributing.md')
    if not re.search(rf"^{app.label}\s", layers, re.MULTILINE):
        gaps.append(f'add "{app.label}" to the Layers section of docs/contributing.md')
    return gaps


def _section(text: str, title: str) -> str:
    parts = text.split(f"\n## {title}\n", 1)
    return parts[1].split("\n## ", 1)[0] if len(parts) == 2 else ""


APP_CHECKS: tuple[Callable[[App, Project], list[str]], ...] = (
    layers_gaps,
    tenancy_gaps,
    urls_gaps,
    api_gaps,
    hooks_gaps,
    permissions_gaps,
    templates_gaps,
    docs_gaps,
)


def project_gaps(project: Project) -> list[str]:
    """What concerns no single app: stale layers, and app pages in the shared templates."""
    labels = {app.label for app in project.apps}
    gaps = [
        f'remove "{layer}" from the layers contract in pyproject.toml: no such app is installed'
        for layer in project.layers
        if layer not in SHARED_LAYERS and layer.removeprefix("coproduce.") not in labels
    ]
    for entry in sorted(project.project_templates - set(SHARED_TEMPLATES)):
        if entry in labels:
            gaps.append(
                f"move coproduce/templates/{entry}/ to coproduce/{entry}/templates/{entry}/"
            )
        else:
            gaps.append(
                f"coproduce/templates/{entry}: an app's page belongs in its app's templates/; "
                "if every app shares it, add it to SHARED_TEMPLATES with the reason"
            )
    return gaps


def contract_gaps(project: Project) -> list[str]:
    gaps = project_gaps(project)
    for app in project.apps:
        gaps += [f"{app.label}: {gap}" for check in APP_CHECKS for gap in check(app, project)]
    return gaps


# --- The project as it runs ---------------------------------------------------------------------


def _files(folder: Path) -> frozenset[str]:
    return frozenset(
        path.relative_to(folder).as_posix()
        for path in folder.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts and "migrations" not in path.parts
    )


def _operation_id(function: Callable[..., object]) -> str:
    """ninja's default operation id: the view's module and name."""
    return f"{function.__module__}_{function.__name__}".replace(".", "_")


def _router_operations(label: str, files: frozenset[str]) -> frozenset[str]:
    if "api.py" not in files:
        return frozenset()
    router = getattr(importlib.import_module(f"coproduce.{label}.api"), "router", None)
    if router is None:
        return frozenset()
    return frozenset(
        _operation_id(operation.view_func)
        for path_view in router.path_operations.values()
        for operation in path_view.operations
    )


def _public_functions(module_name: str) -> frozenset[str]:
    module = importlib.import_module(module_name)
    return frozenset(
        f"{module_name}.{name}"
        for name, function in inspect.getmembers(module, inspect.isfunction)
        if function.__module__ == module_name and not name.startswith("_")
    )


def _registered_receivers(labels: list[str]) -> frozenset[str]:
    registered: set[str] = set()
    for label in labels:
        if not (ROOT / "coproduce" / label / "hooks.py").exists():
            continue
        for hook in vars(importlib.import_module(f"coproduce.{label}.hooks")).values():
            if isinstance(hook, Hook):
                # Our own Hook: its list of receivers is what the check is about.
                registered.update(f"{r.__module__}.{r.__qualname__}" for r in hook._receivers)
    return frozenset(registered)


def _included_urlconfs(patterns: list) -> set[str]:
    found = set()
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            name = getattr(pattern.urlconf_module, "__name__", None)
            if name:
                found.add(name)
            found |= _included_urlconfs(pattern.url_patterns)
    return found


def _schema_operations() -> list[tuple[str, str, str]]:
    """(operation id, route, method) of every operation the API serves."""
    return [
        (operation["operationId"], api_route(path), method)
        for path, methods in api.get_openapi_schema()["paths"].items()
        for method, operation in methods.items()
    ]


def project_as_it_runs(community) -> Project:
    configs = [c for c in django_apps.get_app_configs() if c.name.startswith("coproduce.")]
    labels = [config.label for config in configs]
    routes = list(_walk(get_resolver().url_patterns))
    schema = _schema_operations()
    found = []
    for config in configs:
        folder = Path(config.path)
        files = _files(folder)
        router_operations = _router_operations(config.label, files)
        pages = {
            (route.route, method)
            for route in routes
            if route.module.startswith(f"{config.name}.")
            for method in ("get", "post")
        }
        operations = {(route, method) for op, route, method in schema if op in router_operations}
        found.append(
            App(
                label=config.label,
                files=files,
                router_operations=router_operations,
                urlconfs=frozenset(
                    f"{config.name}.{Path(name).stem}"
                    for name in files
                    if re.fullmatch(r"urls\w*\.py", name)
                ),
                receivers=_public_functions(f"{config.name}.receivers")
                if "receivers.py" in files
                else frozenset(),
                models=frozenset(model._meta.label for model in config.get_models()),
                requests=frozenset(pages | operations),
            )
        )
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = {c["name"]: c for c in pyproject["tool"]["importlinter"]["contracts"]}
    owned = community_owned_rows(community)
    return Project(
        apps=tuple(found),
        # A layer may hold several independent modules: "coproduce.hooks | coproduce.transactions".
        layers=tuple(
            module.strip()
            for layer in contracts["Apps import only downward"]["layers"]
            for module in layer.split("|")
        ),
        error_shape_forbidden=frozenset(
            contracts["The API's error shape and input types import no app"]["forbidden_modules"]
        ),
        api_operations=frozenset(op for op, _route, _method in schema),
        included_urlconfs=frozenset(_included_urlconfs(get_resolver().url_patterns)),
        registered_receivers=_registered_receivers(labels),
        walked=frozenset(walked_requests(community, _victim_ids(community))),
        community_owned=frozenset(owned),
        not_community_rows=frozenset(NOT_COMMUNITY_ROWS),
        with_rows=frozenset(label for label, rows in owned.items() if rows.exists()),
        project_templates=frozenset(
            path.name for path in (ROOT / "coproduce" / "templates").iterdir()
        ),
        contributing=(ROOT / "docs" / "contributing.md").read_text(encoding="utf-8"),
    )


@pytest.mark.django_db
def test_every_app_keeps_the_contract(victim):  # noqa: F811 - the fixture imported above
    project = project_as_it_runs(victim)
    assert {app.label for app in project.apps} >= {"people", "communities", "api"}
    assert all(app.models or app.label == "api" for app in project.apps)
    gaps = contract_gaps(project)
    assert not gaps, "An app skips a step of docs/contributing.md, Adding an app:\n" + "\n".join(
        gaps
    )


def test_every_community_model_is_found_by_its_path_to_a_community():
    """The lookup the walk uses, on the models we have: direct, and through a membership."""
    from coproduce.exchanges.models import ExchangeEvent
    from coproduce.people.models import Profile, User

    assert _community_lookup(ExchangeEvent) == "community"
    assert _community_lookup(Profile) == "membership__community"
    assert _community_lookup(User) is None


# --- Each check can fail -------------------------------------------------------------------------

GARDEN = App(
    label="garden",
    files=frozenset(
        {
            "api.py",
            "permissions.py",
            "receivers.py",
            "urls.py",
            "templates/garden/plot.html",
            "tests/test_permissions.py",
        }
    ),
    router_operations=frozenset({"coproduce_garden_api_plot_list"}),
    urlconfs=frozenset({"coproduce.garden.urls"}),
    receivers=frozenset({"coproduce.garden.receivers.demo_community_built"}),
    models=frozenset({"garden.Plot"}),
    requests=frozenset(
        {("c/<slug:community>/garden/", "get"), ("c/<slug:community>/garden/", "post")}
    ),
)
GOOD = Project(
    apps=(GARDEN,),
    layers=("coproduce.garden", "coproduce.hooks"),
    error_shape_forbidden=frozenset({"coproduce.garden"}),
    api_operations=frozenset({"coproduce_garden_api_plot_list"}),
    included_urlconfs=frozenset({"coproduce.garden.urls"}),
    registered_receivers=frozenset({"coproduce.garden.receivers.demo_community_built"}),
    walked=GARDEN.requests,
    community_owned=frozenset({"garden.Plot"}),
    not_community_rows=frozenset(),
    with_rows=frozenset({"garden.Plot"}),
    project_templates=frozenset({"base.html", "includes"}),
    contributing=(
        "# Contributing\n\n## Layout\n\n```\ncoproduce/\n  garden/     plots\n```\n\n"
        "## Layers\n\n```\ngarden      plots\n```\n"
    ),
)


def _app(**changes: object) -> Project:
    return replace(GOOD, apps=(replace(GARDEN, **changes),))


BREAKAGES: dict[str, tuple[Project, str]] = {
    "not in the layers": (replace(GOOD, layers=("coproduce.hooks",)), 'add "coproduce.garden"'),
    "may be imported by the error shape": (
        replace(GOOD, error_shape_forbidden=frozenset()),
        "forbidden_modules",
    ),
    "a layer for an app that is gone": (
        replace(GOOD, layers=("coproduce.garden", "coproduce.shed", "coproduce.hooks")),
        'remove "coproduce.shed"',
    ),
    "a model with no way to its community": (
        replace(GOOD, community_owned=frozenset(), with_rows=frozenset()),
        "no required foreign key leads from garden.Plot",
    ),
    "a model the walk finds no rows of": (
        replace(GOOD, with_rows=frozenset()),
        "demo_community_built receiver",
    ),
    "a page the walk does not reach": (
        replace(GOOD, walked=frozenset({("c/<slug:community>/garden/", "get")})),
        "does not reach POST /c/<slug:community>/garden/",
    ),
    "URLs not included": (replace(GOOD, included_urlconfs=frozenset()), "include("),
    "an api.py without a router": (_app(router_operations=frozenset()), "define `router`"),
    "a router not registered": (
        replace(GOOD, api_operations=frozenset()),
        'api.add_router("/", router)',
    ),
    "a receiver never registered": (
        replace(GOOD, registered_receivers=frozenset()),
        "register coproduce.garden.receivers.demo_community_built",
    ),
    "no permissions.py": (
        _app(files=GARDEN.files - {"permissions.py"}),
        "add coproduce/garden/permissions.py",
    ),
    "no tests/test_permissions.py": (
        _app(files=GARDEN.files - {"tests/test_permissions.py"}),
        "add coproduce/garden/tests/test_permissions.py",
    ),
    "a template outside the app's own folder": (
        _app(files=GARDEN.files | {"templates/plot.html"}),
        "move coproduce/garden/templates/plot.html to coproduce/garden/templates/garden/",
    ),
    "an app's pages in the shared templates": (
        replace(GOOD, project_templates=GOOD.project_templates | {"garden"}),
        "move coproduce/templates/garden/ to coproduce/garden/templates/garden/",
    ),
    "not in the Layout of contributing.md": (
        replace(GOOD, contributing=GOOD.contributing.replace("  garden/", "  other/")),
        'describe "garden/"',
    ),
    "not in the Layers of contributing.md": (
        replace(GOOD, contributing=GOOD.contributing.replace("\ngarden  ", "\nother  ")),
        'add "garden" to the Layers section',
    ),
}


def test_a_project_that_keeps_the_contract_passes():
    assert contract_gaps(GOOD) == []


@pytest.mark.parametrize("breakage", BREAKAGES)
def test_each_check_fails_and_says_what_to_add(breakage: str):
    project, says = BREAKAGES[breakage]
    gaps = contract_gaps(project)
    assert len(gaps) == 1, gaps
    assert says in gaps[0], gaps


def test_an_exemption_that_is_no_longer_needed_says_so(monkeypatch):
    monkeypatch.setitem(NO_PERMISSIONS_MODULE, "garden", "made up")
    monkeypatch.setitem(PERMISSION_TESTS_PENDING, "garden", "made up")
    assert contract_gaps(GOOD) == [
        "garden: remove garden from NO_PERMISSIONS_MODULE: it has a permissions.py",
        "garden: remove garden from PERMISSION_TESTS_PENDING: its tests are here now",
    ]
