from incubator.areas import Area

AREA = Area(name="booking", models="incubator.booking.models")
