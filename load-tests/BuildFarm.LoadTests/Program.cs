using BuildFarm.LoadTests;

return await LoadToolCommandLine.Create().Parse(args).InvokeAsync();
