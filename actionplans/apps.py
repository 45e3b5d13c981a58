from django.apps import AppConfig


class ActionplansConfig(AppConfig):
    name = "actionplans"

    def ready(self):
        # Action plans sit above the surveys: they react to new results through the surveys'
        # signal and offer "create action from this" through the dashboards' hook registry.
        from surveys.hooks import cell_actions
        from surveys.signals import release_published

        from .findings import create_action_link
        from .tasks import on_release_published

        release_published.connect(on_release_published, dispatch_uid="actionplans_release_published")
        cell_actions.register(create_action_link)
