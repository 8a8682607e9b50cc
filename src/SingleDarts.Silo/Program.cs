// A SingleDarts silo (see SiloHost): exit code 0 stopped, 1 failed while running, 2 bad configuration.
return await SingleDarts.Silo.SiloHost.Run(args);
