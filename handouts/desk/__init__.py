"""The therapist's desk (``serve``): find, print and personalise the built handouts in a browser.

Modules: ``serve`` (build, serve, rebuild on change), ``app`` (the Flask app), ``views`` (its
pages), ``forms`` (the forms it reads), ``state`` (the ``Desk`` the views share), ``catalogue``
(what it lists), ``personal`` (a personalised print), ``thumbs`` (page pictures).
"""
