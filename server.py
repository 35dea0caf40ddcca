"""WSGI entry point: ``gunicorn server:app`` or ``python server.py`` (settings from WSIS_KG_*)."""

from wsis_kg.web import create_app

app = create_app()

if __name__ == "__main__":
    settings = app.extensions["wsis_kg"].settings
    app.run(host=settings.host, port=settings.port)
