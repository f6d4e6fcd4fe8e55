module github.com/ei-rs/ei-rs/bindings/go

go 1.19
