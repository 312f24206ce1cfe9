from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ResponsesConfig(AppConfig):
    name = "responses"
    verbose_name = _("Responses")

    def ready(self) -> None:
        from responses import demo, home  # noqa: F401  (registers the demo step and home sections)
