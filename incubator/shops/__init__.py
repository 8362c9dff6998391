from incubator.areas import Area

AREA = Area(name="shops", models="incubator.shops.models")
