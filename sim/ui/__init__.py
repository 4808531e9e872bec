"""The pygame front end: students play a scenario as one actor (only sim.ui's scene modules import pygame).

The pure parts (scenario library, view model, layout, map data, background
baseline runs) import no pygame and are tested on their own; :mod:`sim.ui.app` opens the window;
:mod:`sim.ui.offscreen` draws the round screen without one (the learning environments' ``rgb_array`` frames).
"""
