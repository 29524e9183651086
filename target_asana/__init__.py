"""target-asana: a Singer target that writes records back into Asana."""
