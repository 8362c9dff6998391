from incubator.areas import Area

AREA = Area(name="training", models="incubator.training.models")
