from netopt.cli import main

main()
