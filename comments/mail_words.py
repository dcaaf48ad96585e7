"""The words of readers' emails and of the pages their links open, in the widget's languages."""

from __future__ import annotations

LANGUAGES = ("en", "ru", "zh-CN")

WORDS: dict[str, dict[str, str]] = {
    "en": {
        "confirm.subject": "Confirm replies to your comment on {site}",
        "confirm.intro": "You asked to be told by email when someone replies to your comment"
        " on “{title}”.",
        "confirm.action": "Yes, email me about replies",
        "confirm.ignore": "If it was not you, ignore this email: nothing will be sent.",
        "reply.subject": "{name} replied to your comment on “{title}”",
        "reply.intro": "{name} replied to your comment:",
        "reply.action": "Read the reply",
        "footer": "You get this email because you asked for it on {site}.",
        "unsubscribe": "Stop these emails",
        "page.confirm": "Email me about replies to my comment?",
        "page.confirmed": "Done: you will get an email when someone replies.",
        "page.unsubscribe": "Stop emails about replies to this comment?",
        "page.unsubscribed": "Done: you will get no more emails about it.",
        "page.invalid": "This link is not valid (any more).",
        "page.expired": "This link has expired. Ask again under your comment.",
    },
    "ru": {
        "confirm.subject": "Подтвердите уведомления об ответах на {site}",
        "confirm.intro": "Вы попросили сообщать по почте об ответах на ваш комментарий"
        " к «{title}».",
        "confirm.action": "Да, присылайте ответы",
        "confirm.ignore": "Если это были не вы, просто проигнорируйте письмо.",
        "reply.subject": "{name} ответил(а) на ваш комментарий к «{title}»",
        "reply.intro": "{name} ответил(а) на ваш комментарий:",
        "reply.action": "Прочитать ответ",
        "footer": "Вы получили это письмо, потому что попросили об этом на {site}.",
        "unsubscribe": "Отписаться",
        "page.confirm": "Присылать письма об ответах на мой комментарий?",
        "page.confirmed": "Готово: мы напишем, когда вам ответят.",
        "page.unsubscribe": "Больше не присылать письма об ответах на этот комментарий?",
        "page.unsubscribed": "Готово: писем об этом больше не будет.",
        "page.invalid": "Эта ссылка недействительна.",
        "page.expired": "Срок действия ссылки истёк. Попросите снова под своим комментарием.",
    },
    "zh-CN": {
        "confirm.subject": "请确认 {site} 上的回复通知",
        "confirm.intro": "您要求在有人回复您在“{title}”下的评论时通过邮件通知您。",
        "confirm.action": "是的，有回复时通知我",
        "confirm.ignore": "如果这不是您本人的操作，请忽略此邮件。",
        "reply.subject": "{name} 回复了您在“{title}”下的评论",
        "reply.intro": "{name} 回复了您的评论：",
        "reply.action": "查看回复",
        "footer": "您收到此邮件是因为您在 {site} 上提出了请求。",
        "unsubscribe": "退订",
        "page.confirm": "有人回复我的评论时发邮件通知我？",
        "page.confirmed": "完成：有人回复时我们会通知您。",
        "page.unsubscribe": "不再接收此评论的回复通知？",
        "page.unsubscribed": "完成：您将不再收到相关邮件。",
        "page.invalid": "此链接无效。",
        "page.expired": "此链接已过期。请在您的评论下重新申请。",
    },
}


def language(lang: str | None) -> str:
    """Return the supported language closest to ``lang`` (a BCP 47 tag), English by default."""
    tag = (lang or "").strip().lower().replace("_", "-")
    if tag.startswith("zh"):
        return "zh-CN"
    if tag.split("-")[0] == "ru":
        return "ru"
    return "en"


def words(lang: str | None) -> dict[str, str]:
    """Return the words of one language, English for anything it lacks."""
    return {**WORDS["en"], **WORDS[language(lang)]}
