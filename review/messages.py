"""Human text, in zh-CN and en, for the codes review/ raises and reports.

The server may use its own catalogue; these are the defaults so every code
review/ produces has words in both languages. Codes from materials (front
matter, book.yml, standard items) keep the message materials wrote, which the
server translates with its own table.
"""
from __future__ import annotations

from typing import Any, Mapping

from review.policy import _language

_TEXT: dict[str, dict[str, str]] = {
    # errors
    "policy.not_a_mapping": {"zh-CN": "review 设置必须是键值对", "en": "review settings must be a mapping"},
    "policy.unknown_key": {"zh-CN": "未知的审核设置“{key}”", "en": "unknown review setting “{key}”"},
    "policy.unknown_side": {"zh-CN": "未知的一方“{side}”", "en": "unknown side “{side}”"},
    "policy.bad_count": {"zh-CN": "“{side}”所需批准数必须是 0–20 的整数", "en": "approvals required from “{side}” must be a whole number 0–20"},
    "policy.not_a_bool": {"zh-CN": "“{key}”只能是 true 或 false", "en": "“{key}” must be true or false"},
    "policy.bad_checks": {"zh-CN": "checks 必须是不重复的检查名称列表", "en": "checks must be a list of distinct check names"},
    "policy.unknown_check": {"zh-CN": "未知的检查“{check}”", "en": "unknown check “{check}”"},
    "policy.bad_merge_method": {"zh-CN": "合并方式只能是 merge 或 squash", "en": "merge method must be merge or squash"},
    "review.bad_verdict": {"zh-CN": "审核结论只能是批准、要求修改或评论", "en": "a review approves, requests changes or comments"},
    "suggestion.outdated": {"zh-CN": "建议涉及的第 {start_line}–{end_line} 行已被修改，无法应用",
                            "en": "lines {start_line}–{end_line} changed since the suggestion; it cannot be applied"},
    "suggestion.bad_range": {"zh-CN": "第 {start_line}–{end_line} 行不在文件中", "en": "lines {start_line}–{end_line} are not in the file"},
    "suggestion.overlap": {"zh-CN": "多条建议修改了相同的行", "en": "suggestions overlap"},
    "suggestion.empty": {"zh-CN": "没有可应用的建议", "en": "no suggestion to apply"},
    "change_request.illegal_transition": {"zh-CN": "变更请求 #{number} 当前为“{state}”，不能执行此操作",
                                          "en": "change request #{number} is {state}; this is not possible now"},
    "change_request.policy_not_satisfied": {"zh-CN": "尚未满足合并条件", "en": "the review policy is not satisfied yet"},
    "change_request.stale_verdict": {"zh-CN": "变更请求有新的提交，请刷新后重新审核",
                                     "en": "the change request has new commits; reload and review again"},
    "change_request.main_moved": {"zh-CN": "主线已更新：请先从主线更新本变更请求，再合并",
                                  "en": "main has moved: update the change request from main, then merge"},
    "change_request.bad_number": {"zh-CN": "变更请求编号无效", "en": "invalid change request number"},
    "change_request.unknown_book": {"zh-CN": "没有名为“{book}”的教材", "en": "there is no book “{book}”"},
    "change_request.title_required": {"zh-CN": "请填写变更请求标题", "en": "a change request needs a title"},
    "change_request.title_too_long": {"zh-CN": "标题不能超过 {limit} 个字符", "en": "the title may have at most {limit} characters"},
    "change_request.exists": {"zh-CN": "变更请求 #{number} 已存在", "en": "change request #{number} already exists"},
    "change_request.branch_gone": {"zh-CN": "变更请求 #{number} 的分支已不存在", "en": "the branch of change request #{number} is gone"},
    "change_request.nothing_to_merge": {"zh-CN": "没有需要合并的内容：主线已包含这些提交",
                                        "en": "nothing to merge: main already has these commits"},
    "change_request.direct_commit_forbidden": {"zh-CN": "本教材不允许直接提交到主线，请发起变更请求",
                                               "en": "this book does not allow direct commits to main; open a change request"},
    # check findings
    "book.missing": {"zh-CN": "教材“{book}”的 book.yml 不存在", "en": "book.yml of “{book}” does not exist"},
    "book.missing_chapter": {"zh-CN": "目录中列出的章节 {chapter} 不存在", "en": "the navigation lists {chapter}, which does not exist"},
    "book.chapter_not_in_navigation": {"zh-CN": "章节 {chapter} 未列入 book.yml 的目录", "en": "{chapter} is not in the navigation of book.yml"},
    "standard.not_in_library": {"zh-CN": "教材声明的标准 {standard} 不在标准库中", "en": "the book declares {standard}, which is not in the library"},
    "standard.superseded": {"zh-CN": "标准 {standard} 已{status_zh}{replaced_zh}", "en": "{standard} is {status}{replaced_en}"},
    "coverage.lowered": {"zh-CN": "{label}的覆盖率从 {before}% 降到 {after}%：不再覆盖 {lost_list}",
                         "en": "coverage of {label} drops from {before}% to {after}%: no chapter covers {lost_list} any more"},
    "coverage.standard_dropped": {"zh-CN": "教材不再对标 {standard}", "en": "the book no longer aligns to {standard}"},
    "check.unknown": {"zh-CN": "没有名为“{check}”的检查", "en": "there is no check named “{check}”"},
}

_STATUS_ZH = {"superseded": "被替代", "withdrawn": "废止", "current": "现行"}


def _params(code: str, params: Mapping[str, Any], lang: str) -> dict[str, Any]:
    out = dict(params)
    if "lost" in out:
        out["lost_list"] = ("、" if lang == "zh-CN" else ", ").join(out["lost"])
    if code == "standard.superseded":
        out["status_zh"] = _STATUS_ZH.get(str(out.get("status")), str(out.get("status")))
        newer = out.get("replaced_by") or ""
        out["replaced_zh"] = f"，现行版本为 {newer}" if newer else ""
        out["replaced_en"] = f"; the current edition is {newer}" if newer else ""
    return out


def describe_code(code: str, params: Mapping[str, Any], lang: str = "en", fallback: str = "") -> str:
    """Text for a review/ code in ``lang``; ``fallback`` (or the code) when it is not ours."""
    templates = _TEXT.get(code)
    if templates is None:
        return fallback or code
    lang = _language(lang)
    try:
        return templates[lang].format(**_params(code, params, lang))
    except (KeyError, IndexError):
        return fallback or code


def describe_error(exc: Exception, lang: str = "en") -> str:
    """Text for a ReviewError (or any error with ``code`` and ``params``)."""
    return describe_code(getattr(exc, "code", ""), getattr(exc, "params", {}) or {}, lang, str(exc))


def describe_finding(finding, lang: str = "en") -> str:
    """Text for a check Finding: ours are translated, materials' keep their message."""
    return describe_code(finding.code, finding.params, lang, finding.message)
