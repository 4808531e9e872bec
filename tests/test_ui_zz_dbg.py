import sys
sys.path.insert(0, "/work/wt-ui/tests")
from test_ui_teaching import *  # noqa

def test_x(app):
    scene = start(app)
    china = scene.view.actor("china").index
    click_at(app, scene.mapview.spots[china])
    d = app.top.view
    print("A", len(scene.orders), app.game.version, scene._seen_version)
    press(app, pygame.K_RETURN)
    print("B", len(scene.orders), app.game.version, scene._seen_version, app.top)
