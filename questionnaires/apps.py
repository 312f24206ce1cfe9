from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class QuestionnairesConfig(AppConfig):
    name = "questionnaires"
    verbose_name = _("Questionnaires")

    def ready(self) -> None:
        from questionnaires import demo, home  # noqa: F401  (registers demo step and home section)
