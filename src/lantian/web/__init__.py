"""The web app (网页端): pages for the 大气办, the departments and leaders, a public disclosure page, and
the JSON API under ``/api/v1``. Built by :func:`lantian.web.app.create_app` from the same
:class:`~lantian.bootstrap.App` the command line uses."""
