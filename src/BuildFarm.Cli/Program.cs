using BuildFarm.Cli;

return await FarmCommandLine.Create().Parse(args).InvokeAsync();
