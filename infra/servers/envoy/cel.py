"""A tiny builder of CEL expressions in the parsed form Envoy's RBAC ``condition`` takes.

Envoy's RBAC policy wants ``google.api.expr.v1alpha1.Expr`` (the parsed AST), not CEL source
text. Writing that tree by hand in YAML is unreadable, so the edge builds it from these few
helpers, and every node can also be printed back as CEL source (``source()``) for comments,
docs and test messages::

    tid = payload("tid")
    startswith(header("kid"), concat(tid, "."))   # jwt.header.kid.startsWith(jwt.payload.tid + ".")

Only what the edge needs is here: identifiers, field selection, map indexing, string
constants, function and method calls, and the boolean/comparison operators. Node ids are
unique per expression (CEL tooling expects that, even where Envoy does not).
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass
from typing import Any

Json = dict[str, Any]

#: CEL's internal names of the operators we use, and how to print them.
_INFIX = {"_&&_": "&&", "_||_": "||", "_==_": "==", "_!=_": "!=", "_+_": "+", "@in": "in"}


class Flow(dict[str, Any]):
    """A dict the YAML rendering writes in flow style (``{...}`` on a few lines): an expression
    tree is hundreds of lines in block style and reads no better for it."""


@dataclass(frozen=True)
class Expr:
    """One CEL node; ``kind`` is the ``Expr`` oneof field, ``value`` its content."""

    kind: str
    value: Any

    def to_proto(self) -> Json:
        """The ``google.api.expr.v1alpha1.Expr`` as the JSON/YAML Envoy loads, with unique ids."""
        return Flow(_proto(self, itertools.count(1)))

    def source(self) -> str:
        """The expression as CEL source text (for humans; Envoy gets ``to_proto()``)."""
        return _source(self)


def _proto(expr: Expr, ids: itertools.count[int]) -> Json:
    node: Json = {"id": str(next(ids))}  # int64 in proto JSON is a string
    if expr.kind == "const_expr":
        node["const_expr"] = {"string_value": expr.value} if isinstance(expr.value, str) else expr.value
    elif expr.kind == "ident_expr":
        node["ident_expr"] = {"name": expr.value}
    elif expr.kind == "select_expr":
        operand, field = expr.value
        node["select_expr"] = {"operand": _proto(operand, ids), "field": field}
    elif expr.kind == "call_expr":
        target, function, args = expr.value
        call: Json = {"function": function, "args": [_proto(a, ids) for a in args]}
        if target is not None:
            call["target"] = _proto(target, ids)
        node["call_expr"] = call
    else:  # pragma: no cover - the helpers below build nothing else
        raise ValueError(f"unsupported CEL node {expr.kind}")
    return node


def _source(expr: Expr) -> str:
    if expr.kind == "const_expr":
        return json.dumps(expr.value) if isinstance(expr.value, str) else str(expr.value)
    if expr.kind == "ident_expr":
        return str(expr.value)
    if expr.kind == "select_expr":
        operand, field = expr.value
        return f"{_source(operand)}.{field}"
    target, function, args = expr.value
    if function == "_[_]":
        return f"{_source(args[0])}[{_source(args[1])}]"
    if function == "!_":
        return f"!({_source(args[0])})"
    if function in _INFIX:
        return f"({_source(args[0])} {_INFIX[function]} {_source(args[1])})"
    rendered = ", ".join(_source(a) for a in args)
    return f"{_source(target)}.{function}({rendered})" if target is not None else f"{function}({rendered})"


def _lift(value: Expr | str) -> Expr:
    return value if isinstance(value, Expr) else const(value)


def const(value: str) -> Expr:
    return Expr("const_expr", value)


def ident(name: str) -> Expr:
    return Expr("ident_expr", name)


def select(operand: Expr, field: str) -> Expr:
    return Expr("select_expr", (operand, field))


def index(operand: Expr, key: Expr | str) -> Expr:
    return Expr("call_expr", (None, "_[_]", (operand, _lift(key))))


def call(function: str, *args: Expr | str, target: Expr | None = None) -> Expr:
    return Expr("call_expr", (target, function, tuple(_lift(a) for a in args)))


def and_(*terms: Expr) -> Expr:
    """``a && b && c`` (left-nested, as the CEL parser builds it)."""
    result = terms[0]
    for term in terms[1:]:
        result = call("_&&_", result, term)
    return result


def or_(left: Expr, right: Expr) -> Expr:
    return call("_||_", left, right)


def not_(operand: Expr) -> Expr:
    return call("!_", operand)


def eq(left: Expr | str, right: Expr | str) -> Expr:
    return call("_==_", left, right)


def concat(left: Expr | str, right: Expr | str) -> Expr:
    """String concatenation: Envoy needs ``cel_config.enable_string_concat`` for it."""
    return call("_+_", left, right)


def in_(element: Expr | str, container: Expr) -> Expr:
    return call("@in", element, container)


def startswith(string: Expr, prefix: Expr | str) -> Expr:
    return call("startsWith", prefix, target=string)


def matches(string: Expr, regex: str) -> Expr:
    """RE2 full-string match when the regex is anchored (``^...$``)."""
    return call("matches", regex, target=string)
