"""Units, users and roles: who is who in which unit."""


def init_app(app) -> None:
    from dvcq.tenants import views

    app.register_blueprint(views.bp)
