package spec

import "testing"

// TestObjectKeysInJavaScriptOrder: array-index keys come first, ascending, then the others in
// insertion order, as V8 lists them (each want is JSON.stringify(JSON.parse(in)) in Node 20);
// "01", "-1", " 2" and 2^32-1 are not array indices.
func TestObjectKeysInJavaScriptOrder(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{`{"b":1,"1":2,"0":3,"01":4,"4294967295":5,"4294967294":6,"-1":7,"1.5":8," 2":9,"2":10}`,
			`{"0":3,"1":2,"2":10,"4294967294":6,"b":1,"01":4,"4294967295":5,"-1":7,"1.5":8," 2":9}`},
		{`{"z":1,"a":2,"z":3}`, `{"z":3,"a":2}`},
		{`{"10":{"9":1,"x":2,"8":3}}`, `{"10":{"8":3,"9":1,"x":2}}`},
	} {
		v, err := parseJS([]byte(c.in))
		if err != nil {
			t.Fatal(err)
		}
		if got := string(appendJS(nil, v)); got != c.want {
			t.Errorf("%s: %s, JavaScript writes %s", c.in, got, c.want)
		}
	}
}
