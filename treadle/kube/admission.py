"""The validating admission webhook's judgement: an AdmissionReview (v1) in, its
response out, with no I/O of its own. The templates a run refers to are read
through the `TemplateSource` it is given.

A CREATE or UPDATE of a Treadle kind is admitted exactly as `treadle apply` admits
it (`client/admission.py`: SPEC §11 with the same field-path messages, and a run's
spec fixed once created), so `kubectl apply` refuses what the CLI refuses and says
it in the same words. Warnings (unknown fields, SPEC §13) go back as the
response's `warnings`, which kubectl prints as `Warning: …`.
"""

from __future__ import annotations

import json
from typing import Any

from ..api.policy import Policy
from ..api.validate import describe
from ..client.admission import TemplateSource, check_update, prepare
from ..errors import TreadleError, ValidationError

API_VERSION = "admission.k8s.io/v1"

JUDGED = frozenset({"CREATE", "UPDATE"})
"""Operations a webhook registration sends for Treadle's kinds; any other is let
through (a DELETE has nothing to judge)."""


def review(body: bytes | str | Any, templates: TemplateSource, policy: Policy) -> dict[str, Any]:
    """The AdmissionReview answering `body` (raw JSON, or already parsed). Never
    raises: a body it cannot read is refused with the reason."""
    try:
        request = _request(body)
    except _Unreadable as exc:
        return _answer("", allowed=False, message=f"cannot read the AdmissionReview: {exc}")
    uid = request["uid"]
    if request.get("operation") not in JUDGED:
        return _answer(uid, allowed=True)
    try:
        warnings = judge(request, templates, policy)
    except ValidationError as exc:
        return _answer(uid, allowed=False, message=refusal(exc), status=_invalid(exc))
    except TreadleError as exc:
        return _answer(uid, allowed=False, message=str(exc) or exc.reason, code=exc.http_status)
    return _answer(uid, allowed=True, warnings=warnings)


def judge(request: dict[str, Any], templates: TemplateSource, policy: Policy) -> list[str]:
    """The warnings of an admitted CREATE or UPDATE; raises what admission raises."""
    obj = _as_written(request.get("object"))
    meta = obj.get("metadata") if isinstance(obj, dict) else None
    if isinstance(meta, dict) and meta.get("deletionTimestamp"):
        # Only finalizers can change now; refusing would keep the object forever.
        return []
    prepared = prepare(templates, obj, request.get("namespace") or None, policy)
    if request.get("operation") == "UPDATE" and isinstance(request.get("oldObject"), dict):
        check_update(request["oldObject"], obj)
    return [f"{describe(obj)}: {w}" for w in prepared.warnings]


def refusal(exc: ValidationError) -> str:
    """What kubectl shows after `denied the request:`: the CLI's words, one line."""
    subject = f"{exc.subject}: " if exc.subject else ""
    if len(exc.causes) == 1:
        return f"{subject}{exc.causes[0]}"
    return f"{subject}{len(exc.causes)} problems: " + "; ".join(str(c) for c in exc.causes)


def _as_written(obj: Any) -> Any:
    # Status is the controller's, written through /status, which no rule sends
    # here; on the main resource the API server ignores it.
    if isinstance(obj, dict) and "status" in obj:
        return {k: v for k, v in obj.items() if k != "status"}
    return obj


class _Unreadable(Exception):
    pass


def _request(body: bytes | str | Any) -> dict[str, Any]:
    if isinstance(body, bytes | str):
        try:
            body = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise _Unreadable(f"not JSON ({exc})") from None
    if not isinstance(body, dict):
        raise _Unreadable("not a JSON object")
    if body.get("apiVersion") != API_VERSION or body.get("kind") != "AdmissionReview":
        raise _Unreadable(
            f'apiVersion/kind must be "{API_VERSION}"/"AdmissionReview", '
            f'not "{body.get("apiVersion")}"/"{body.get("kind")}"'
        )
    request = body.get("request")
    if not isinstance(request, dict):
        raise _Unreadable("request is missing")
    if not isinstance(request.get("uid"), str) or not request["uid"]:
        raise _Unreadable("request.uid is missing")
    return request


def _invalid(exc: ValidationError) -> dict[str, Any]:
    details: dict[str, Any] = {
        "causes": [
            {"field": c.path, "message": c.message, "reason": "FieldValueInvalid"}
            for c in exc.causes
        ]
    }
    kind, _, name = exc.subject.partition(" ")
    if kind:
        details["kind"] = kind
    if name:
        details["name"] = name.strip('"')
    return {"code": 422, "reason": "Invalid", "details": details}


def _answer(
    uid: str,
    *,
    allowed: bool,
    message: str = "",
    code: int = 400,
    status: dict[str, Any] | None = None,
    warnings: list[str] | None = None,
) -> dict[str, Any]:
    response: dict[str, Any] = {"uid": uid, "allowed": allowed}
    if not allowed:
        response["status"] = {"code": code, **(status or {}), "message": message}
    if warnings:
        response["warnings"] = warnings
    return {"apiVersion": API_VERSION, "kind": "AdmissionReview", "response": response}


__all__ = ["API_VERSION", "judge", "refusal", "review"]
