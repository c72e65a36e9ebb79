"""The API's only body parser: JSON, bounded in size and depth, so every bad body is a 400 or 413 problem.

DRF's JSONParser reads the stream without Django's DATA_UPLOAD_MAX_MEMORY_SIZE
check and lets Python's recursion limit (about 1,000 nested arrays) escape as a
500. This one refuses a body over the limit (413 body-too-large) before
reading more than the limit, and anything nested deeper than MAX_DEPTH
(400 malformed-body), so no view or serializer ever meets such a body.
"""

import json

from django.conf import settings
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser

from vrm.problems import BodyTooLarge

# Far deeper than any record a vendor sends; shallow enough for every recursive walk after parsing.
MAX_DEPTH = 32


def nesting_depth(value):
    """How deeply arrays and objects nest in `value` (a scalar is 0), without recursion."""
    deepest, stack = 0, [(value, 0)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = list(item.values())
        if isinstance(item, list):
            depth += 1
            deepest = max(deepest, depth)
            stack.extend((child, depth) for child in item)
    return deepest


class BoundedJSONParser(JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
        raw = stream.read(limit + 1) if limit is not None else stream.read()
        if limit is not None and len(raw) > limit:
            raise BodyTooLarge(f"The request body is larger than {limit} bytes.")
        encoding = (parser_context or {}).get("encoding", settings.DEFAULT_CHARSET)
        try:
            data = json.loads(raw.decode(encoding), parse_constant=self._reject_constant)
        except RecursionError:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels is not accepted.") from None
        except (ValueError, UnicodeDecodeError) as error:
            raise ParseError(f"The body is not valid JSON: {error}") from None
        if nesting_depth(data) > MAX_DEPTH:
            raise ParseError(f"JSON nested deeper than {MAX_DEPTH} levels is not accepted.")
        return data

    @staticmethod
    def _reject_constant(name):
        raise ValueError(f"{name} is not a JSON number")
