"""Operations shared by the web views, the API and the CLI."""


class ServiceError(ValueError):
    """A request a service refuses, with the field it concerns and a message for the user."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
