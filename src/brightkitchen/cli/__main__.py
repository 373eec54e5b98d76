from brightkitchen.cli import main

main()
