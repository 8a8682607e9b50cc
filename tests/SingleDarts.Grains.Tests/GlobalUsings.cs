global using SingleDarts.Search;
global using SingleDarts.Search.Measurement;
global using SingleDarts.Search.Metrics;
global using SingleDarts.Search.Options;
global using SingleDarts.Search.Runs;
global using SingleDarts.Search.Spaces;
global using SingleDarts.Search.Relaxations;
