"""``vecq serve``: the models over HTTP, a third front door beside the CLI and the Python API.

``params.py`` says what each route takes (the one place that parses a request and describes it in
the OpenAPI schema), ``routes.py`` answers with the same records the CLI prints with ``-f json``,
``batcher.py`` answers requests that arrive together in one matrix product, ``guard.py`` keeps
the server to the requests it may answer, ``word2vec_api.py`` answers as word2vec-api does, and
``app.py`` puts them together on Starlette and uvicorn (``vecq[serve]``).
"""
