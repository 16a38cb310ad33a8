from django.db import models

from councils.models import Council
from proposals.models import Kind


class KindWord(models.Model):
    """A council's own word for a kind of proposal ("Growth" -> Pressure, "Efficiency
    saving" -> Revenue Savings), as an officer mapped it at an import, offered again at the
    council's next import. ``word`` is kept case-folded."""

    council = models.ForeignKey(Council, on_delete=models.CASCADE, related_name="kind_words")
    word = models.CharField(max_length=100)
    kind = models.CharField(max_length=30, choices=Kind.choices)

    class Meta:
        ordering = ["council", "word"]
        constraints = [models.UniqueConstraint(fields=["council", "word"], name="kind_word_unique_per_council")]
        verbose_name = "council's word for a kind"

    def __str__(self):
        return f"\u201c{self.word}\u201d \u2192 {self.get_kind_display()}"
