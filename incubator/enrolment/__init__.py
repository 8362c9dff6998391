from incubator.areas import Area

AREA = Area(name="enrolment", models="incubator.enrolment.models")
