"""Reading what a person typed: global commands and answers, in English and Spanish.

Matching ignores case, accents, surrounding punctuation and emoji, so "Ayúda!",
"help" and " HELP 🙏" are all HELP.
"""

import re
import unicodedata
from enum import StrEnum


class Command(StrEnum):
    HELP = "help"
    STATUS = "status"
    RESTART = "restart"
    DELETE = "delete"
    STOP = "stop"
    START = "start"
    LANGUAGE = "language"
    RESEND = "resend"
    GALLERY = "gallery"
    FILES = "files"


class Answer(StrEnum):
    YES = "yes"
    NO = "no"
    DONE = "done"


_COMMANDS = {
    Command.HELP: {"help", "ayuda", "menu", "?"},
    Command.STATUS: {"status", "estado"},
    Command.RESTART: {"restart", "reiniciar", "reset", "empezar de nuevo"},
    Command.DELETE: {"delete", "borrar", "eliminar", "delete my data", "borrar mis datos"},
    Command.STOP: {"stop", "unsubscribe", "baja", "parar", "detener"},
    Command.START: {"start", "subscribe", "alta", "reanudar"},
    Command.LANGUAGE: {"language", "idioma", "lang", "lengua"},
    Command.RESEND: {"resend", "send again", "reenviar", "reenvia", "enviar de nuevo"},
    Command.GALLERY: {"gallery", "galeria", "album"},
    Command.FILES: {
        "files",
        "full size",
        "originals",
        "documents",
        "archivos",
        "originales",
        "documentos",
        "tamano completo",
    },
}
_ANSWERS = {
    Answer.YES: {
        "yes",
        "y",
        "si",
        "ok",
        "okay",
        "sure",
        "agree",
        "i agree",
        "acepto",
        "de acuerdo",
        "vale",
        "claro",
    },
    Answer.NO: {"no", "n", "nope", "no gracias", "no thanks"},
    Answer.DONE: {"done", "listo", "ya", "finish", "terminado", "fin"},
}


def normalise(text: str) -> str:
    """Lower-case, accent-free, single-spaced, without surrounding punctuation or emoji."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    words = re.findall(r"[a-z0-9?]+", plain)
    return " ".join(words)


def parse_command(text: str) -> tuple[Command, str] | None:
    """A global command and whatever follows it ("language es" -> (LANGUAGE, "es"))."""
    words = normalise(text)
    if not words:
        return None
    for command, names in _COMMANDS.items():
        for name in names:
            if words == name or (words.startswith(name + " ") and len(words) <= len(name) + 12):
                return command, words[len(name) :].strip()
    return None


def parse_answer(text: str) -> Answer | None:
    words = normalise(text)
    for answer, names in _ANSWERS.items():
        if words in names:
            return answer
    return None


def parse_number(text: str, upper: int) -> int | None:
    """A choice from a numbered list: "2", "2.", "#2", "option 2"."""
    numbers = re.findall(r"\d+", normalise(text))
    if len(numbers) == 1 and 1 <= int(numbers[0]) <= upper:
        return int(numbers[0])
    return None
