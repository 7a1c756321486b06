"""Plain-language coping advice shown to patients (general self-care, no numbers or doses)."""

from __future__ import annotations

COPING_ADVICE: tuple[tuple[str, str], ...] = (
    (
        "Drink water",
        "Sip water, broth or drinks with salts through the day, especially if you are sweating, "
        "vomiting or have diarrhea.",
    ),
    (
        "Eat a little, often",
        "Small plain meals and snacks are easier on your stomach: toast, rice, bananas, soup.",
    ),
    (
        "Rest and sleep",
        "Keep a regular bedtime, a dark quiet room and screens away. Rest even if sleep does not "
        "come; poor sleep usually improves with time.",
    ),
    (
        "Move gently",
        "A short walk or light stretching can ease aches and restlessness and lift your mood.",
    ),
    (
        "Breathe and relax",
        "Breathe in slowly through your nose, hold for a moment, and breathe out slowly through "
        "your mouth. Repeat for a few minutes. A warm shower can ease aches too.",
    ),
    (
        "Reach out",
        "Call or text someone you trust, go to a meeting, or call your care team. Cravings pass; "
        "you do not have to face them alone.",
    ),
)
