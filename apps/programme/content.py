"""Load the programme's content from Markdown and YAML files.

Layout (see content/):

    programme.yaml             slug, title, description, modules: [slug, ...]
    modules/<slug>/module.yaml slug, title, summary, mandatory, order,
                               estimated_minutes, steps: [...]
    modules/<slug>/NN-x.md     a step body (`body: NN-x.md`)

Translations, for each language in MODELTRANSLATION_LANGUAGES other than
English (`<lang>` is its code, e.g. `nl`):

    programme.<lang>.yaml            title, description
    modules/<slug>/module.<lang>.yaml title, summary, steps: {<step slug>:
                                     {title, prompts, questions}}
    modules/<slug>/NN-x.<lang>.md    the step body

A text key in the English files may instead have a twin with a `_<lang>`
suffix (`title_cy`, `questions_cy`, ...); the separate file wins. Anything not
translated is stored empty, so pages fall back to English and say so, and the
translation-status page lists it (docs/i18n.md). Loading is idempotent: rows
are matched by slug and updated. Content removed from the files is never
deleted when client progress points at it; it is retired (`is_active=False`).

The files are a release: `release:` in programme.yaml names its version. A
step edited in the admin since (`Step.locally_edited`, apps.programme.revisions)
keeps its text: the load reports it, as a conflict when this release changed
the same step, and only `overwrite=True` replaces it.
"""

from dataclasses import dataclass, field
from pathlib import Path

import yaml
from django.conf import settings
from django.db import transaction

from apps.programme.exercises import EXERCISES
from apps.programme.models import (
    ExerciseEntry,
    Module,
    ModulePlan,
    Programme,
    Step,
    StepKind,
    StepProgress,
)
from apps.programme.revisions import (
    last_release_content,
    step_content,
    step_release_recorded,
)


def translated_languages() -> tuple[str, ...]:
    """Languages content can be stored in, besides English (the source)."""
    return tuple(code for code in settings.MODELTRANSLATION_LANGUAGES if code != "en")


class ContentError(Exception):
    """Bad content; the message names the file and says what to fix."""


@dataclass
class LoadReport:
    programme: Programme | None = None
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    retired: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    release: str = ""
    # Steps edited here whose text was kept: the release changed them too...
    conflicts: list[str] = field(default_factory=list)
    # ...or the release left them as they were.
    kept_local: list[str] = field(default_factory=list)
    # Steps edited here whose text the release replaced (overwrite=True).
    overwritten: list[str] = field(default_factory=list)
    # "<module>/<step slug> (<lang>)": translations whose step is not in module.yaml.
    stale_translations: list[str] = field(default_factory=list)


def _upsert(model, report: LoadReport, defaults: dict, **lookup):
    """Create the row, or update only the fields whose values differ, counting which."""
    obj = model.objects.filter(**lookup).first()
    if obj is None:
        report.created += 1
        return model.objects.create(**lookup, **defaults)
    changed = [name for name, value in defaults.items() if getattr(obj, name) != value]
    if changed:
        for name in changed:
            setattr(obj, name, defaults[name])
        obj.save(update_fields=changed)
        report.updated += 1
    else:
        report.unchanged += 1
    return obj


_SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _read_yaml(path: Path) -> dict:
    if not path.is_file():
        raise ContentError(f"{path}: file not found.")
    try:
        # libyaml's safe loader where PyYAML was built with it: the same documents, ten
        # times faster (content loads on every deploy and in many tests).
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_SAFE_LOADER)  # noqa: S506
    except yaml.YAMLError as exc:
        raise ContentError(f"{path}: not valid YAML ({exc}).") from exc
    if not isinstance(data, dict):
        raise ContentError(f"{path}: expected a mapping of keys to values.")
    return data


def _require(data: dict, keys: tuple[str, ...], where: str) -> None:
    missing = [k for k in keys if data.get(k) in (None, "")]
    if missing:
        raise ContentError(f"{where}: missing {', '.join(missing)}.")


def _translated(data: dict, key: str) -> dict:
    """{"key_en": ..., "key_nl": ... or None, ...}: every language, so a removed
    translation is cleared (None makes pages fall back to English)."""
    out = {f"{key}_en": data.get(key)}
    for lang in translated_languages():
        value = data.get("_translations", {}).get(lang, {}).get(key)
        if value in (None, "", []):
            value = data.get(f"{key}_{lang}")
        out[f"{key}_{lang}"] = value if value not in ("", []) else None
    return out


def _read_translation(path: Path) -> dict:
    """A `<name>.<lang>.yaml` overlay, or {} when the language has none."""
    return _read_yaml(path) if path.is_file() else {}


def _validate_questions(questions, where: str) -> None:
    if not isinstance(questions, list) or not questions:
        raise ContentError(f"{where}: a quiz needs a non-empty 'questions' list.")
    for n, question in enumerate(questions, start=1):
        options = question.get("options") if isinstance(question, dict) else None
        if not isinstance(question, dict) or not question.get("text") or not options:
            raise ContentError(f"{where}: question {n} needs 'text' and 'options'.")
        if len(options) < 2 or not any(o.get("correct") for o in options):
            raise ContentError(
                f"{where}: question {n} needs at least two options and one marked correct: true."
            )
        for o in options:
            if not o.get("text") or not o.get("feedback"):
                raise ContentError(
                    f"{where}: every option of question {n} needs text and feedback."
                )


def _parse_module(directory: Path) -> dict:
    path = directory / "module.yaml"
    data = _read_yaml(path)
    _require(data, ("slug", "title", "summary", "order", "estimated_minutes"), str(path))
    if data["slug"] != directory.name:
        raise ContentError(f"{path}: slug '{data['slug']}' does not match its folder name.")
    steps = data.get("steps")
    if not isinstance(steps, list) or not steps:
        raise ContentError(f"{path}: needs a non-empty 'steps' list.")
    overlays = {
        lang: _read_translation(directory / f"module.{lang}.yaml")
        for lang in translated_languages()
    }
    seen: set[str] = set()
    parsed = []
    for index, step in enumerate(steps, start=1):
        where = f"{path}, step {index}"
        if not isinstance(step, dict):
            raise ContentError(f"{where}: expected a mapping.")
        _require(step, ("slug", "kind", "title", "body"), where)
        where = f"{path}, step '{step['slug']}'"
        if step["slug"] in seen:
            raise ContentError(f"{where}: duplicate step slug.")
        seen.add(step["slug"])
        if step["kind"] not in StepKind.values:
            raise ContentError(
                f"{where}: unknown kind '{step['kind']}' (use reading, exercise or quiz)."
            )
        if step["kind"] == StepKind.EXERCISE:
            key = step.get("exercise")
            if key not in EXERCISES or key == "quiz":
                known = ", ".join(sorted(k for k in EXERCISES if k != "quiz"))
                raise ContentError(f"{where}: unknown exercise type '{key}' (known: {known}).")
            if key == "reflection" and not step.get("prompts"):
                raise ContentError(f"{where}: a reflection exercise needs 'prompts'.")
        translations = {
            lang: dict((overlay.get("steps") or {}).get(step["slug"]) or {})
            for lang, overlay in overlays.items()
        }
        if step["kind"] == StepKind.QUIZ:
            _validate_questions(step.get("questions"), where)
            for lang in translated_languages():
                questions = translations[lang].get("questions") or step.get(f"questions_{lang}")
                if questions:
                    _validate_questions(questions, f"{where} ({lang})")
                    if len(questions) != len(step["questions"]):
                        raise ContentError(
                            f"{where} ({lang}): {len(questions)} questions, but English "
                            f"has {len(step['questions'])}; translate every question."
                        )
        for lang in translated_languages():
            prompts = translations[lang].get("prompts") or step.get(f"prompts_{lang}")
            if prompts and len(prompts) != len(step.get("prompts") or []):
                raise ContentError(
                    f"{where} ({lang}): {len(prompts)} prompts, but English has "
                    f"{len(step.get('prompts') or [])}; translate every prompt."
                )
        bodies = {}
        body_file = directory / step["body"]
        if not body_file.is_file():
            raise ContentError(f"{where}: body file {body_file} not found.")
        bodies["en"] = body_file.read_text(encoding="utf-8")
        for lang in translated_languages():
            translated = body_file.with_name(f"{body_file.stem}.{lang}{body_file.suffix}")
            if translated.is_file():
                bodies[lang] = translated.read_text(encoding="utf-8")
        parsed.append({**step, "_bodies": bodies, "_order": index, "_translations": translations})
    # A translation of a step that is no longer in module.yaml (or a mistyped
    # slug) is ignored and reported; the step then shows on the translation-
    # status page as not translated.
    stale = [
        f"{slug} ({lang})"
        for lang, overlay in overlays.items()
        for slug in (overlay.get("steps") or {})
        if slug not in seen
    ]
    return {
        **data,
        "steps": parsed,
        "_path": path,
        "_stale_translations": stale,
        "_translations": {lang: overlay for lang, overlay in overlays.items()},
    }


def parse_content(directory: Path) -> tuple[dict, list[dict]]:
    """Read and validate every file; raises ContentError before anything is written."""
    directory = Path(directory)
    path = directory / "programme.yaml"
    programme = _read_yaml(path)
    _require(programme, ("slug", "title", "modules"), str(path))
    programme["_translations"] = {
        lang: _read_translation(directory / f"programme.{lang}.yaml")
        for lang in translated_languages()
    }
    slugs = programme["modules"]
    if not isinstance(slugs, list) or len(set(slugs)) != len(slugs):
        raise ContentError(f"{path}: 'modules' must list each module slug once.")
    modules = []
    for slug in slugs:
        module_dir = directory / "modules" / str(slug)
        if not module_dir.is_dir():
            raise ContentError(f"{path}: module folder {module_dir} not found.")
        modules.append(_parse_module(module_dir))
    return programme, modules


def _has_progress(*, steps=None, module=None) -> bool:
    if module is not None:
        return (
            ModulePlan.objects.filter(module=module).exists()
            or StepProgress.objects.filter(step__module=module).exists()
            or ExerciseEntry.objects.filter(step__module=module).exists()
        )
    return (
        StepProgress.objects.filter(step__in=steps).exists()
        or ExerciseEntry.objects.filter(step__in=steps).exists()
    )


def _release_changed_step(step: Step, defaults: dict) -> bool:
    """Whether the release's text for `step` differs from the last release loaded into it."""
    base = last_release_content(step)
    if base is None:
        return True
    return any(
        (base.get(name) or None) != (value or None)
        for name, value in defaults.items()
        if name in base
    )


STRUCTURE = ("order", "is_active")


def _load_step(
    *, module: Module, sdata: dict, defaults: dict, report: LoadReport, overwrite: bool
) -> Step:
    step = Step.objects.filter(module=module, slug=sdata["slug"]).first()
    if step is not None and step.locally_edited and not overwrite:
        # An edit made here wins: only the step's place in the module follows the files.
        moved = [name for name in STRUCTURE if getattr(step, name) != defaults[name]]
        for name in moved:
            setattr(step, name, defaults[name])
        if moved:
            step.save(update_fields=moved)
        content = {k: v for k, v in defaults.items() if k not in STRUCTURE}
        if _release_changed_step(step, content):
            report.conflicts.append(str(step))
        else:
            report.kept_local.append(str(step))
        report.unchanged += 1
        return step
    before = step_content(step) if step is not None else None
    was_local = step is not None and step.locally_edited
    step = _upsert(Step, report, defaults, module=module, slug=sdata["slug"])
    if before is None or step.revision == 0 or was_local or before != step_content(step):
        step_release_recorded(step=step, release=report.release)
        if was_local:
            report.overwritten.append(str(step))
    elif step.release != report.release:
        step.release = report.release
        step.save(update_fields=["release"])
    return step


@transaction.atomic
def content_load(*, directory: Path, overwrite: bool = False) -> LoadReport:
    """Create or update the programme from `directory`. See the module docstring.

    `overwrite`: replace the text of steps edited here with the release's.
    """
    data, modules = parse_content(directory)
    report = LoadReport(release=str(data.get("release") or ""))
    programme = _upsert(
        Programme,
        report,
        {
            **_translated(data, "title"),
            **_translated(data, "description"),
            "release": report.release,
        },
        slug=data["slug"],
    )
    report.programme = programme
    kept_modules = []
    for mdata in modules:
        module = _upsert(
            Module,
            report,
            {
                **_translated(mdata, "title"),
                **_translated(mdata, "summary"),
                "mandatory": bool(mdata.get("mandatory", False)),
                "order": int(mdata["order"]),
                "estimated_minutes": int(mdata["estimated_minutes"]),
                "is_active": True,
            },
            programme=programme,
            slug=mdata["slug"],
        )
        kept_modules.append(module.pk)
        report.stale_translations += [f"{mdata['slug']}/{s}" for s in mdata["_stale_translations"]]
        kept_steps = []
        for sdata in mdata["steps"]:
            defaults = {
                **_translated(sdata, "title"),
                **_translated(sdata, "prompts"),
                **_translated(sdata, "questions"),
                "kind": sdata["kind"],
                "minutes": int(sdata.get("minutes") or 0),
                "body_en": sdata["_bodies"]["en"],
                "exercise_type": sdata.get("exercise") or "",
                "prompts_en": list(sdata.get("prompts") or []),
                "questions_en": list(sdata.get("questions") or []),
                "order": sdata["_order"],
                "is_active": True,
            }
            for lang in translated_languages():
                defaults[f"body_{lang}"] = sdata["_bodies"].get(lang)
            step = _load_step(
                module=module, sdata=sdata, defaults=defaults, report=report, overwrite=overwrite
            )
            kept_steps.append(step.pk)
        for step in module.steps.exclude(pk__in=kept_steps):
            _retire_or_delete(step, report, has_progress=_has_progress(steps=[step]))
    for module in programme.modules.exclude(pk__in=kept_modules):
        _retire_or_delete(module, report, has_progress=_has_progress(module=module))
    return report


def _retire_or_delete(obj, report: LoadReport, *, has_progress: bool) -> None:
    if has_progress:
        if obj.is_active:
            obj.is_active = False
            obj.save(update_fields=["is_active"])
            report.retired.append(str(obj))
    else:
        report.deleted.append(str(obj))
        obj.delete()
