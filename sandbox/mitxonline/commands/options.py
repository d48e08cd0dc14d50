"""Argument definitions shared by several commands (variant fields, dates)."""

from __future__ import annotations

from sandbox.mitxonline.commands.base import CommandParser

# COURSE_VARIANT_LANGUAGE (docs/platforms/mitxonline.md §13): Open edX locale codes; "" is allowed (blank).
LANGUAGES = (
    "", "ar", "de", "el", "en", "es", "es_419", "fr", "fr_CA", "he", "hi", "id", "it", "ja", "ko",
    "nl", "pl", "pt", "pt_BR", "ru", "sw", "th", "tr", "uk", "vi", "zh_CN", "zh_HANS", "zh_TW",
)  # fmt: skip
LENGTHS = ("", "S")  # Full, Short
INDUSTRIES = ("", "E", "F", "HC")  # Original, Energy, Finance, Healthcare


def add_language(parser: CommandParser) -> None:
    parser.add_argument("--language", "--lang", dest="language", choices=LANGUAGES, default="en")
    parser.add_argument("--primary-lang", dest="primary_lang", action="store_true")


def add_variant_fields(parser: CommandParser) -> None:
    add_language(parser)
    parser.add_argument("--length", "--len", dest="length", choices=LENGTHS, default="")
    parser.add_argument("--industry", "--ind", dest="industry", choices=INDUSTRIES, default="")
