"""Errors whose messages say what went wrong and how to fix it."""


class QAError(Exception):
    """Base of qa's errors; the CLI prints the message and exits non-zero."""


class BadInput(QAError):
    """Input qa cannot use (a file it cannot read as an article, a field of a request), and
    what is wrong with it."""

    def __init__(self, path: object, problem: str):
        self.path, self.problem = str(path), problem
        super().__init__(f"{path}: {problem}")


class ModelError(QAError):
    """The language model could not be loaded or called."""


class StoreError(QAError):
    """The store's database cannot be reached or is set up wrong (QA_STORE_URL)."""


class NotFound(QAError):
    """An article id, title or path that matches nothing stored."""


def explain(e) -> str:
    """A pydantic ValidationError as 'field: what is wrong; ...'."""
    parts = []
    for err in e.errors():
        where = ".".join(str(x) for x in err.get("loc", ()) if x != "__root__")
        msg = str(err.get("msg", "invalid")).removeprefix("Value error, ")
        parts.append(f"{where}: {msg}" if where else msg)
    return "; ".join(parts)
