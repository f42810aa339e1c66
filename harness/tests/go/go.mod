module hazardgo

go 1.27
