"""The API's routes, one router per resource; `api.app.create_app` includes them all."""
