"""Translatable content fields (django-modeltranslation).

English is the default; Welsh (`*_cy`) falls back to English when empty
(MODELTRANSLATION_FALLBACK_LANGUAGES).
"""

from modeltranslation.translator import TranslationOptions, register

from apps.programme.models import Module, Programme, Step


@register(Programme)
class ProgrammeTranslationOptions(TranslationOptions):
    fields = ("title", "description")


@register(Module)
class ModuleTranslationOptions(TranslationOptions):
    fields = ("title", "summary")


@register(Step)
class StepTranslationOptions(TranslationOptions):
    fields = ("title", "body", "prompts", "questions")
