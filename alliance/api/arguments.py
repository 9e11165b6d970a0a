"""API arguments by the input rule: bounded, valid JSON bodies; clean text; numbers in digits.

Every API blueprint is an `alliance.api.arguments.Blueprint`, so every JSON body and query
string goes through `CleaningParser` before its marshmallow schema sees it: a body that is
not UTF-8, not JSON or nested deeper than MAX_DEPTH is a 400 problem; a text value breaking
the rule is a 422 problem whose `errors` name the field, as any other invalid value.
"""

import json

import flask_smorest
from marshmallow import ValidationError, fields
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from alliance.api.schemas import PROBLEM
from alliance.cleaning import NumberRefused, TextRefused, clean_text, whole_number_text
from alliance.i18n import _l

BEARER = [{"bearerAuth": []}]  # the API key, as the spec names its scheme
MAX_DEPTH = 32  # levels of arrays and objects in a JSON body; the API's own need 3

NOT_UTF8 = _l("The request body is not valid UTF-8 text.")
NOT_JSON = _l("The request body is not valid JSON.")
TOO_DEEP = _l("The JSON body is nested too deeply: at most %(n)s levels.", n=MAX_DEPTH)


def refuse_body(message) -> None:
    """Answer 400 with `message` as the problem's detail and under `errors`."""
    error = BadRequest(description=str(message))
    error.data = {"messages": {"json": [str(message)]}}
    raise error


def read_json(data: bytes):
    """Return the value of a JSON body, or answer 400 when it is not UTF-8, JSON or sane."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        refuse_body(NOT_UTF8)
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except RecursionError:  # the decoder recursed as deep as Python allows
        refuse_body(TOO_DEEP)
    except ValueError:  # not JSON, NaN or Infinity, an integer of more than 4,300 digits
        refuse_body(NOT_JSON)
    if depth(value) > MAX_DEPTH:
        refuse_body(TOO_DEEP)
    return value


def _no_constant(name: str):
    raise ValueError(f"{name} is not JSON")


def depth(value) -> int:
    """Return how deeply arrays and objects nest in a JSON value (a scalar is 0)."""
    deepest, stack = 0, [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict | list):
            deepest = max(deepest, level)
            if deepest > MAX_DEPTH:
                break
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, level + 1) for child in children)
    return deepest


def clean_arguments(data, schema):
    """Return `data` with every value the schema takes cleaned by the input rule.

    Raises ValidationError naming each refused value's field, as marshmallow would.
    """
    errors: dict = {}
    cleaned = _clean_object(data, schema, errors)
    if errors:
        raise ValidationError(errors)
    return cleaned


def _clean_object(data, schema, errors: dict):
    if schema.many and isinstance(data, list):
        return _clean_items(data, lambda item, found: _clean_object(item, schema, found), errors)
    if not isinstance(data, dict):
        return data  # marshmallow refuses it ("Invalid input type")
    by_key = {f.data_key or name: f for name, f in schema.fields.items() if not f.dump_only}
    cleaned = dict(data)
    for key, value in data.items():
        if key in by_key:
            found: dict = {}
            cleaned[key] = _clean_value(value, by_key[key], found)
            if found:
                errors[key] = found.get(".", found)
    return cleaned


def _clean_items(items: list, clean, errors: dict) -> list:
    cleaned = []
    for index, item in enumerate(items):
        found: dict = {}
        cleaned.append(clean(item, found))
        if found:
            errors[index] = found.get(".", found)
    return cleaned


def _clean_value(value, field, errors: dict):
    """Clean one value for `field`; put its problem under "." (or deeper, by key) in `errors`."""
    if isinstance(field, fields.List) and isinstance(value, list):
        inner = field.inner
        return _clean_items(value, lambda item, found: _clean_value(item, inner, found), errors)
    if isinstance(field, fields.Nested):
        return _clean_object(value, field.schema, errors)
    if not isinstance(value, str):
        return value
    try:
        if isinstance(field, fields.Integer) and not field.strict:  # a query string's number
            return whole_number_text(value)
        return clean_text(value, multiline=field.metadata.get("multiline", False))
    except (TextRefused, NumberRefused) as error:
        errors["."] = [str(error.message)]
        return value


class CleaningParser(FlaskParser):
    """webargs' Flask parser, reading JSON bodies and query strings by the input rule."""

    def _raw_load_json(self, req):
        if not is_json_request(req):
            return core.missing
        data = req.get_data(cache=True)
        if not data:
            return core.missing  # as webargs: a required argument is then reported missing
        return read_json(data)

    def _load_location_data(self, *, schema, req, location):
        data = super()._load_location_data(schema=schema, req=req, location=location)
        if data is core.missing or location not in ("json", "query", "querystring", "form"):
            return data
        if location == "json":
            return clean_arguments(data, schema)
        source = req.args if location in ("query", "querystring") else req.form
        return self._makeproxy(_clean_multidict(source, schema), schema)


def _clean_multidict(source: MultiDict, schema) -> MultiDict:
    """Return a query string's or form's values cleaned for the schema's fields."""
    by_key = {f.data_key or name: f for name, f in schema.fields.items() if not f.dump_only}
    cleaned, errors = MultiDict(), {}
    for key, values in source.lists():
        field = by_key.get(key)
        if isinstance(field, fields.List):  # ?isbn=1&isbn=2: each value is one item
            field = field.inner
        for value in values:
            found: dict = {}
            cleaned.add(key, _clean_value(value, field, found) if field else value)
            if found:
                errors[key] = found["."]
    if errors:
        raise ValidationError(errors)
    return cleaned


def operation_id(function) -> str:
    """Return the OpenAPI operationId of a view: its function's name in camelCase."""
    first, *rest = function.__name__.split("_")
    return first + "".join(word.capitalize() for word in rest)


def refusing_roles(function) -> bool:
    """Tell whether api_role_required lets in only some roles (so a key may get a 403)."""
    rule = getattr(function, "access_rule", ())
    return rule[:1] == ("api",) and bool(set(rule[1:]) - {"authenticated", "public"})


class Blueprint(flask_smorest.Blueprint):
    """flask-smorest's Blueprint whose arguments are read by the input rule.

    It documents every operation the same way: an operationId from the view's name
    (`list_titles` -> `listTitles`: view names are unique across the API, a test checks),
    and a 403 problem wherever api_role_required lets in only some roles.
    """

    ARGUMENTS_PARSER = CleaningParser()

    def problems(self, *statuses: int):
        """Document an endpoint that takes a bearer key and may answer these problems."""

        def decorate(view):
            for status in statuses:
                view = self.alt_response(status, **PROBLEM)(view)
            return self.doc(security=BEARER)(view)

        return decorate

    def _store_endpoint_docs(self, endpoint, obj, parameters, tags, **options):
        if callable(obj) and refusing_roles(obj):
            obj = self.alt_response(403, **PROBLEM)(obj)  # only its documentation is read
        super()._store_endpoint_docs(endpoint, obj, parameters, tags, **options)
        for method, doc in self._docs[endpoint].items():
            if method != "parameters":
                doc.setdefault("manual_doc", {})["operationId"] = operation_id(obj)
