"""The item passport: every unit that leaves, its label's signed link and its custody steps."""
