from incubator.areas import Area

AREA = Area(name="notify", models="incubator.notify.models")
