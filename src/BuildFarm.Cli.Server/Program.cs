using BuildFarm.Cli.Server;

return await FarmServerCommandLine.Create().Parse(args).InvokeAsync();
