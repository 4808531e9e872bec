"""The scenes: title menu, briefing, round screen, debrief, and the overlays (help, settings, load, classroom)."""
