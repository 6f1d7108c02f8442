"""What an app shows on the home page: panels of counts and to-dos (see config/navigation.py)."""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Item:
    label: str
    count: int | None = None
    url: str = ""
    alert: bool = False  # a to-do that needs someone's action


@dataclass(frozen=True)
class Panel:
    title: str
    items: tuple = field(default_factory=tuple)
    note: str = ""
