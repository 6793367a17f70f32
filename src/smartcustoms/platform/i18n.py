"""Messages in zh-CN (primary) and en. Every message key used by an error or a page lives in a catalogue;
capabilities add theirs through their wiring."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LOCALES = ("zh-CN", "en")
Catalogue = Mapping[str, Mapping[str, str]]


class Translator:
    def __init__(self) -> None:
        self._messages: dict[str, dict[str, str]] = {}

    def add(self, catalogue: Catalogue) -> None:
        for key, texts in catalogue.items():
            missing = [loc for loc in LOCALES if loc not in texts]
            if missing:
                raise ValueError(f"message {key!r} lacks {missing}")
            if key in self._messages and self._messages[key] != texts:
                raise ValueError(f"message {key!r} defined twice with different texts")
            self._messages[key] = dict(texts)

    def __contains__(self, key: str) -> bool:
        return key in self._messages

    def keys(self) -> set[str]:
        return set(self._messages)

    def t(self, key: str, locale: str = "zh-CN", **params: Any) -> str:
        texts = self._messages.get(key)
        if texts is None:
            return key
        text = texts.get(locale) or texts["zh-CN"]
        try:
            return text.format(**params)
        except (KeyError, IndexError, ValueError):
            return text

    def both(self, key: str, **params: Any) -> dict[str, str]:
        return {loc: self.t(key, loc, **params) for loc in LOCALES}


def pick_locale(accept_language: str | None, cookie: str | None, default: str = "zh-CN") -> str:
    if cookie in LOCALES:
        return str(cookie)
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()
        if tag.startswith("zh"):
            return "zh-CN"
        if tag.startswith("en"):
            return "en"
    return default


PLATFORM_MESSAGES: Catalogue = {
    "app.name": {"zh-CN": "智慧海关", "en": "SmartCustoms"},
    "app.tagline": {"zh-CN": "快速、可解释、可审计、可证明公平的海关决策",
                    "en": "customs decisions that are fast, explained, audited and provably fair"},
    "app.login": {"zh-CN": "登录", "en": "Log in"},
    "app.logout": {"zh-CN": "退出", "en": "Log out"},
    "app.username": {"zh-CN": "用户名", "en": "User name"},
    "app.password": {"zh-CN": "密码", "en": "Password"},
    "app.back_home": {"zh-CN": "返回首页", "en": "Back to the start page"},
    "app.home": {"zh-CN": "首页", "en": "Home"},
    "app.welcome": {"zh-CN": "{name},您好", "en": "Welcome, {name}"},
    "app.api_docs": {"zh-CN": "接口文档", "en": "API documentation"},
    "role.enterprise_user": {"zh-CN": "企业用户", "en": "Enterprise user"},
    "role.broker": {"zh-CN": "报关员", "en": "Customs broker"},
    "role.risk_officer": {"zh-CN": "风险布控员", "en": "Risk officer"},
    "role.inspector": {"zh-CN": "查验关员", "en": "Inspector"},
    "role.image_reviewer": {"zh-CN": "审图员", "en": "Image reviewer"},
    "role.section_chief": {"zh-CN": "科长", "en": "Section chief"},
    "role.monitoring_officer": {"zh-CN": "监控员", "en": "Monitoring officer"},
    "role.auditor": {"zh-CN": "审计员", "en": "Auditor"},
    "role.admin": {"zh-CN": "系统管理员", "en": "Administrator"},
    "error.validation_failed": {"zh-CN": "提交的数据有 {count} 处错误", "en": "{count} field(s) are invalid"},
    "error.not_found": {"zh-CN": "未找到该记录", "en": "Not found"},
    "error.forbidden": {"zh-CN": "无权执行此操作", "en": "You are not allowed to do this"},
    "error.not_authenticated": {"zh-CN": "请先登录", "en": "Please log in"},
    "error.csrf": {"zh-CN": "表单已过期,请刷新页面后重试", "en": "The form has expired; reload the page and try again"},
    "error.too_many_logins": {"zh-CN": "登录失败次数过多,请 {seconds} 秒后再试",
                              "en": "Too many failed logins; try again in {seconds} seconds"},
    "error.bad_credentials": {"zh-CN": "用户名或密码错误", "en": "Wrong user name or password"},
    "error.internal": {"zh-CN": "系统内部错误", "en": "Internal error"},
    "field.required": {"zh-CN": "必填项", "en": "This field is required"},
    "field.invalid": {"zh-CN": "格式不正确", "en": "Invalid value"},
    "field.too_long": {"zh-CN": "长度不能超过 {max} 个字符", "en": "At most {max} characters"},
    "field.not_positive": {"zh-CN": "必须大于零", "en": "Must be greater than zero"},
    "field.not_a_number": {"zh-CN": "必须是数字", "en": "Must be a number"},
    "field.unknown_code": {"zh-CN": "代码 {value} 不在参数表中", "en": "Code {value} is not in the reference table"},
    "code.uscc.length": {"zh-CN": "统一社会信用代码应为18位", "en": "A unified social credit code has 18 characters"},
    "code.uscc.characters": {"zh-CN": "统一社会信用代码含非法字符", "en": "The unified social credit code has invalid characters"},
    "code.uscc.check": {"zh-CN": "统一社会信用代码校验码错误", "en": "Wrong check character in the unified social credit code"},
    "code.customs_code.length": {"zh-CN": "海关编码应为10位", "en": "A customs code has 10 characters"},
    "code.customs_code.characters": {"zh-CN": "海关编码格式不正确", "en": "The customs code is malformed"},
    "code.container.format": {"zh-CN": "集装箱号格式不正确(4位字母+7位数字)",
                              "en": "A container number is 4 letters and 7 digits"},
    "code.container.check": {"zh-CN": "集装箱号校验位错误", "en": "Wrong check digit in the container number"},
    "code.vin.format": {"zh-CN": "车辆识别代号应为17位(不含I、O、Q)", "en": "A VIN has 17 characters, without I, O or Q"},
    "code.vin.check": {"zh-CN": "车辆识别代号校验位错误", "en": "Wrong check digit in the VIN"},
    "code.hs.format": {"zh-CN": "商品编码应为6、8或10位数字", "en": "A commodity code has 6, 8 or 10 digits"},
    "code.declaration_number.format": {"zh-CN": "报关单号应为18位数字", "en": "A declaration number has 18 digits"},
    "code.declaration_number.year": {"zh-CN": "报关单号中的年份不正确", "en": "The year in the declaration number is wrong"},
    "code.declaration_number.direction": {"zh-CN": "报关单号的进出口标志与申报类型不符",
                                          "en": "The import/export digit of the number does not match"},
}
